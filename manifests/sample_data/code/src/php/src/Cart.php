<?php

declare(strict_types=1);

namespace Sample;

/**
 * A shopping cart that stores prices in cents to avoid rounding errors.
 */
final class Cart
{
    /** @var array<string, array{name: string, cents: int, qty: int}> */
    private array $lines = [];

    public function add(string $sku, string $name, int $cents, int $qty = 1): void
    {
        if ($qty < 1 || $cents < 0) {
            throw new \InvalidArgumentException('quantity and price must be positive');
        }
        if (isset($this->lines[$sku])) {
            $this->lines[$sku]['qty'] += $qty;
            return;
        }
        $this->lines[$sku] = ['name' => $name, 'cents' => $cents, 'qty' => $qty];
    }

    public function remove(string $sku): void
    {
        unset($this->lines[$sku]);
    }

    public function totalCents(float $discount = 0.0): int
    {
        $sum = 0;
        foreach ($this->lines as $line) {
            $sum += $line['cents'] * $line['qty'];
        }
        return (int) round($sum * (1 - $discount));
    }

    public function count(): int
    {
        return array_sum(array_column($this->lines, 'qty'));
    }

    public static function format(int $cents): string
    {
        return sprintf('%d.%02d EUR', intdiv($cents, 100), $cents % 100);
    }
}
