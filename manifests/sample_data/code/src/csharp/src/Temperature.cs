using System;
using System.Globalization;

namespace Sample.Weather
{
    /// <summary>An immutable temperature value that converts between scales.</summary>
    public readonly struct Temperature : IComparable<Temperature>
    {
        public double Celsius { get; }

        private Temperature(double celsius)
        {
            if (celsius < -273.15)
            {
                throw new ArgumentOutOfRangeException(nameof(celsius), "below absolute zero");
            }
            Celsius = celsius;
        }

        public static Temperature FromCelsius(double value) => new(value);
        public static Temperature FromFahrenheit(double value) => new((value - 32) * 5 / 9);
        public static Temperature FromKelvin(double value) => new(value - 273.15);

        public double Fahrenheit => Celsius * 9 / 5 + 32;
        public double Kelvin => Celsius + 273.15;

        public int CompareTo(Temperature other) => Celsius.CompareTo(other.Celsius);

        public string Describe() => Celsius switch
        {
            < 0 => "freezing",
            < 12 => "cold",
            < 22 => "mild",
            < 30 => "warm",
            _ => "hot",
        };

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0:0.0} °C ({1:0.0} °F)", Celsius, Fahrenheit);
    }
}
