-- Two-dimensional vectors with operator overloading.
local Vector = {}
Vector.__index = Vector

function Vector.new(x, y)
  return setmetatable({ x = x or 0, y = y or 0 }, Vector)
end

function Vector.__add(a, b)
  return Vector.new(a.x + b.x, a.y + b.y)
end

function Vector.__sub(a, b)
  return Vector.new(a.x - b.x, a.y - b.y)
end

function Vector.__mul(a, k)
  return Vector.new(a.x * k, a.y * k)
end

function Vector.__eq(a, b)
  return a.x == b.x and a.y == b.y
end

function Vector.__tostring(v)
  return string.format("(%.2f, %.2f)", v.x, v.y)
end

function Vector:length()
  return math.sqrt(self.x * self.x + self.y * self.y)
end

function Vector:normalized()
  local len = self:length()
  if len == 0 then
    return Vector.new(0, 0)
  end
  return Vector.new(self.x / len, self.y / len)
end

function Vector:distance(other)
  return (self - other):length()
end

return Vector
