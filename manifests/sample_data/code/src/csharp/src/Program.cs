using System;
using System.Linq;
using Sample.Shop;
using Sample.Weather;

namespace Sample
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            var inventory = new Inventory();
            inventory.Restock(new Product("UMB-1", "Umbrella", 12.50m), 5);
            inventory.Restock(new Product("SCF-2", "Scarf", 8.00m), 2);
            inventory.Restock(new Product("GLV-3", "Gloves", 6.75m), 10);

            try
            {
                var earned = inventory.Sell("UMB-1", 3) + inventory.Sell("GLV-3", 2);
                Console.WriteLine($"earned {earned:0.00}");
                inventory.Sell("SCF-2", 4);
            }
            catch (InvalidOperationException e)
            {
                Console.WriteLine($"cannot sell: {e.Message}");
            }

            Console.WriteLine($"stock value: {inventory.TotalValue:0.00}");
            Console.WriteLine("low stock: " + string.Join(", ", inventory.LowStock()));

            var readings = new[] { -2.0, 7.5, 15.0, 24.0, 33.0 }.Select(Temperature.FromCelsius).ToList();
            foreach (var t in readings.OrderByDescending(t => t))
            {
                Console.WriteLine($"{t,-22} {t.Describe()}");
            }
            return 0;
        }
    }
}
