package example

sealed trait Shape {
  def area: Double
  def perimeter: Double
}

final case class Circle(radius: Double) extends Shape {
  require(radius > 0, "radius must be positive")
  def area: Double = math.Pi * radius * radius
  def perimeter: Double = 2 * math.Pi * radius
}

final case class Rectangle(width: Double, height: Double) extends Shape {
  def area: Double = width * height
  def perimeter: Double = 2 * (width + height)
}

final case class Triangle(a: Double, b: Double, c: Double) extends Shape {
  require(a + b > c && a + c > b && b + c > a, "sides do not form a triangle")
  def perimeter: Double = a + b + c
  def area: Double = {
    val s = perimeter / 2
    math.sqrt(s * (s - a) * (s - b) * (s - c))
  }
}

object Shapes {
  def describe(shape: Shape): String = shape match {
    case Circle(r)                    => f"circle of radius $r%.1f"
    case Rectangle(w, h) if w == h    => f"square with side $w%.1f"
    case Rectangle(w, h)              => f"rectangle $w%.1f x $h%.1f"
    case Triangle(a, b, c)            => f"triangle with sides $a%.1f, $b%.1f, $c%.1f"
  }

  def totalArea(shapes: Seq[Shape]): Double = shapes.map(_.area).sum
}
