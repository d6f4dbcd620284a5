# frozen_string_literal: true

require_relative 'lib/inventory'
require_relative 'lib/greeter'

shop = Inventory.new
shop.add('notebook', quantity: 10, price: 2.5)
    .add('pencil', quantity: 40, price: 0.4)
    .add('stapler', quantity: 2, price: 7.9)

puts Greeter.greet('maria', :es)
puts "Good #{Greeter.time_of_day(Time.now.hour)}!"

begin
  earned = shop.sell('notebook', 3) + shop.sell('pencil', 5)
  puts format('earned %.2f', earned)
  shop.sell('stapler', 5)
rescue Inventory::OutOfStock => e
  puts "cannot sell: #{e.message}"
end

puts format('stock value: %.2f', shop.total_value)
puts "running low: #{shop.low_stock.join(', ')}"
shop.sort_by(&:name).each do |item|
  puts "#{item.name.ljust(10)} #{item.quantity.to_s.rjust(4)}"
end
