-- Small simulation loop: the player walks to the exit and picks up coins.
package.path = "./?.lua;" .. package.path

local Vector = require("game.vector")
local Player = require("game.player")

local hero = Player.new("Ada", 0, 0)
local exit = Vector.new(10, 4)
local coins = {
  Vector.new(2, 1),
  Vector.new(5, 2),
  Vector.new(7, 7),
  Vector.new(9, 3.5),
}

local dt = 0.1
local ticks = 0
local arrived = false
while not arrived and ticks < 1000 do
  arrived = hero:moveTowards(exit, dt)
  coins = hero:collect(coins, 0.6)
  ticks = ticks + 1
end

print(string.format("%s reached %s after %d ticks", hero.name, tostring(hero.position), ticks))
print(string.format("coins collected: %d, left on the map: %d", hero.coins, #coins))
