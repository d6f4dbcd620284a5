package example

object Main {
  def main(args: Array[String]): Unit = {
    val shapes = Seq(Circle(1.5), Rectangle(2, 2), Rectangle(3, 1), Triangle(3, 4, 5))
    shapes.foreach { s =>
      println(f"${Shapes.describe(s)}%-32s area=${s.area}%6.2f")
    }
    println(f"total area: ${Shapes.totalArea(shapes)}%.2f")

    val temperatures = Seq(12.5, 14.0, 9.5, 17.25, 15.0, 11.0, 13.5)
    Stats.of(temperatures) match {
      case Some(st) =>
        println(f"mean=${st.mean}%.2f median=${st.median}%.2f sd=${st.stdDev}%.2f range=${st.min}..${st.max}")
      case None =>
        println("no data")
    }
    val bars = Stats.histogram(temperatures, 4).map(n => "#" * n)
    bars.zipWithIndex.foreach { case (bar, i) => println(s"bucket $i | $bar") }
  }
}
