using System;
using System.Collections.Generic;
using System.Linq;

namespace Sample.Shop
{
    public sealed record Product(string Sku, string Name, decimal Price);

    /// <summary>Stock levels for the products of a small shop.</summary>
    public class Inventory
    {
        private readonly Dictionary<string, (Product Product, int Quantity)> _stock = new();

        public void Restock(Product product, int quantity)
        {
            if (quantity <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(quantity), "quantity must be positive");
            }
            _stock[product.Sku] = _stock.TryGetValue(product.Sku, out var entry)
                ? (entry.Product, entry.Quantity + quantity)
                : (product, quantity);
        }

        public decimal Sell(string sku, int quantity)
        {
            if (!_stock.TryGetValue(sku, out var entry))
            {
                throw new KeyNotFoundException($"unknown product {sku}");
            }
            if (entry.Quantity < quantity)
            {
                throw new InvalidOperationException($"only {entry.Quantity} of {entry.Product.Name} left");
            }
            _stock[sku] = (entry.Product, entry.Quantity - quantity);
            return entry.Product.Price * quantity;
        }

        public IEnumerable<string> LowStock(int threshold = 3) =>
            _stock.Values.Where(e => e.Quantity < threshold).Select(e => e.Product.Name).OrderBy(n => n);

        public decimal TotalValue => _stock.Values.Sum(e => e.Product.Price * e.Quantity);
    }
}
