# frozen_string_literal: true

# Keeps track of items on the shelves of a small shop.
class Inventory
  class OutOfStock < StandardError; end

  Item = Struct.new(:name, :quantity, :price) do
    def value
      quantity * price
    end
  end

  include Enumerable

  def initialize
    @items = {}
  end

  def add(name, quantity:, price:)
    raise ArgumentError, 'quantity must be positive' unless quantity.positive?

    if @items.key?(name)
      @items[name].quantity += quantity
    else
      @items[name] = Item.new(name, quantity, price)
    end
    self
  end

  def sell(name, quantity = 1)
    item = @items.fetch(name) { raise OutOfStock, "we never had #{name}" }
    raise OutOfStock, "only #{item.quantity} #{name} left" if item.quantity < quantity

    item.quantity -= quantity
    item.price * quantity
  end

  def each(&block)
    @items.each_value(&block)
  end

  def total_value
    sum(&:value)
  end

  def low_stock(threshold = 3)
    select { |item| item.quantity < threshold }.map(&:name)
  end
end
