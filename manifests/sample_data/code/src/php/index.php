<?php

declare(strict_types=1);

require __DIR__ . '/src/Router.php';
require __DIR__ . '/src/Cart.php';

use Sample\Cart;
use Sample\Router;

$cart = new Cart();
$cart->add('TEA-01', 'Green tea', 450, 2);
$cart->add('MUG-02', 'Blue mug', 899);

$router = new Router();
$router
    ->add('GET', '/', fn (array $args): string => 'Welcome to the shop')
    ->add('GET', '/cart', fn (array $args): string => sprintf(
        '%d items, total %s',
        $cart->count(),
        Cart::format($cart->totalCents())
    ))
    ->add('GET', '/products/{sku}', fn (array $args): string => 'Product ' . htmlspecialchars($args['sku']));

$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';

header('Content-Type: text/plain; charset=utf-8');
echo $router->dispatch($method, $path), PHP_EOL;
