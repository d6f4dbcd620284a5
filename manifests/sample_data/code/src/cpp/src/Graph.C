// Breadth-first search and shortest paths on a small unweighted graph.
#include <iostream>
#include <map>
#include <queue>
#include <string>
#include <vector>

class Graph {
public:
    void addEdge(const std::string& a, const std::string& b) {
        adjacency_[a].push_back(b);
        adjacency_[b].push_back(a);
    }

    std::vector<std::string> shortestPath(const std::string& from, const std::string& to) const {
        std::map<std::string, std::string> parent;
        std::queue<std::string> frontier;
        frontier.push(from);
        parent[from] = from;
        while (!frontier.empty()) {
            std::string current = frontier.front();
            frontier.pop();
            if (current == to) {
                break;
            }
            auto it = adjacency_.find(current);
            if (it == adjacency_.end()) {
                continue;
            }
            for (const auto& next : it->second) {
                if (parent.count(next) == 0) {
                    parent[next] = current;
                    frontier.push(next);
                }
            }
        }
        std::vector<std::string> path;
        if (parent.count(to) == 0) {
            return path;
        }
        for (std::string step = to; step != from; step = parent.at(step)) {
            path.insert(path.begin(), step);
        }
        path.insert(path.begin(), from);
        return path;
    }

private:
    std::map<std::string, std::vector<std::string>> adjacency_;
};

int main() {
    Graph metro;
    metro.addEdge("Harbour", "Market");
    metro.addEdge("Market", "Cathedral");
    metro.addEdge("Cathedral", "University");
    metro.addEdge("Market", "Station");
    metro.addEdge("Station", "University");
    metro.addEdge("University", "Stadium");

    const auto path = metro.shortestPath("Harbour", "Stadium");
    std::cout << "stops: " << path.size() << "\n";
    for (const auto& stop : path) {
        std::cout << " - " << stop << "\n";
    }
    return 0;
}
