// Reads "name quantity price" lines from standard input and prints a stock report.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "../include/matrix.hpp"

struct Item {
    std::string name;
    int quantity = 0;
    double price = 0.0;

    double value() const { return quantity * price; }
};

static std::vector<Item> readItems(std::istream& in) {
    std::vector<Item> items;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream fields(line);
        Item item;
        if (fields >> item.name >> item.quantity >> item.price) {
            items.push_back(item);
        } else {
            std::cerr << "skipping malformed line: " << line << "\n";
        }
    }
    return items;
}

int main() {
    std::istringstream sample("# name qty price\nlamp 4 19.5\nchair 12 45\ndesk 2 150.25\nbroken line\n");
    auto items = readItems(sample);
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.value() > b.value(); });

    double total = 0.0;
    std::cout << std::fixed << std::setprecision(2);
    for (const auto& item : items) {
        std::cout << std::left << std::setw(8) << item.name << std::right << std::setw(5) << item.quantity
                  << std::setw(10) << item.value() << "\n";
        total += item.value();
    }
    std::cout << "total stock value: " << total << "\n";

    // A 2x2 price/quantity check using the matrix helper.
    sample::Matrix m{{1, 2}, {3, 4}};
    std::cout << (m * sample::Matrix::identity(2) == m ? "matrix ok" : "matrix broken") << "\n";
    return 0;
}
