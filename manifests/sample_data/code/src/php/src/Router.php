<?php

declare(strict_types=1);

namespace Sample;

/**
 * A minimal router that maps "GET /users/{id}" style patterns to handlers.
 */
final class Router
{
    /** @var array<int, array{method: string, regex: string, params: string[], handler: callable}> */
    private array $routes = [];

    public function add(string $method, string $pattern, callable $handler): self
    {
        $params = [];
        $regex = preg_replace_callback('/\{(\w+)\}/', function (array $m) use (&$params): string {
            $params[] = $m[1];
            return '([^/]+)';
        }, $pattern);
        $this->routes[] = [
            'method' => strtoupper($method),
            'regex' => '#^' . $regex . '$#',
            'params' => $params,
            'handler' => $handler,
        ];
        return $this;
    }

    public function dispatch(string $method, string $path): string
    {
        foreach ($this->routes as $route) {
            if ($route['method'] !== strtoupper($method)) {
                continue;
            }
            if (preg_match($route['regex'], $path, $matches) === 1) {
                $args = array_combine($route['params'], array_slice($matches, 1)) ?: [];
                return (string) call_user_func($route['handler'], $args);
            }
        }
        http_response_code(404);
        return 'Not found: ' . htmlspecialchars($path);
    }
}
