"""Temperature conversions and a tiny daily summary for a weather log."""

from dataclasses import dataclass
from statistics import mean


def celsius_to_fahrenheit(celsius: float) -> float:
    return celsius * 9 / 5 + 32


def fahrenheit_to_celsius(fahrenheit: float) -> float:
    return (fahrenheit - 32) * 5 / 9


@dataclass(frozen=True)
class Reading:
    hour: int
    celsius: float


@dataclass(frozen=True)
class DailySummary:
    low: float
    high: float
    average: float

    def describe(self) -> str:
        if self.high >= 30:
            mood = "hot"
        elif self.low <= 0:
            mood = "freezing at night"
        else:
            mood = "mild"
        return f"low {self.low:.1f}, high {self.high:.1f}, average {self.average:.1f}: {mood}"


def summarize(readings: list[Reading]) -> DailySummary:
    if not readings:
        raise ValueError("no readings for this day")
    values = [reading.celsius for reading in readings]
    return DailySummary(low=min(values), high=max(values), average=mean(values))


if __name__ == "__main__":
    day = [Reading(hour, temp) for hour, temp in [(6, 4.5), (12, 13.0), (15, 15.5), (21, 8.0)]]
    print(summarize(day).describe())
    print(f"{celsius_to_fahrenheit(15.5):.1f} F")
