-- A player that walks towards a target and collects coins on the way.
local Vector = require("game.vector")

local Player = {}
Player.__index = Player

function Player.new(name, x, y)
  local self = setmetatable({}, Player)
  self.name = name
  self.position = Vector.new(x, y)
  self.speed = 2.5
  self.coins = 0
  self.health = 100
  return self
end

function Player:moveTowards(target, dt)
  local direction = (target - self.position):normalized()
  local step = direction * (self.speed * dt)
  if step:length() >= self.position:distance(target) then
    self.position = target
    return true
  end
  self.position = self.position + step
  return false
end

function Player:collect(coins, radius)
  local remaining = {}
  for _, coin in ipairs(coins) do
    if self.position:distance(coin) <= radius then
      self.coins = self.coins + 1
    else
      table.insert(remaining, coin)
    end
  end
  return remaining
end

function Player:takeDamage(amount)
  self.health = math.max(0, self.health - amount)
  return self.health == 0
end

return Player
