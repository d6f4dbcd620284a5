package example

/** Descriptive statistics over a non-empty sequence of numbers. */
final case class Stats(count: Int, mean: Double, median: Double, stdDev: Double, min: Double, max: Double)

object Stats {
  def of(values: Seq[Double]): Option[Stats] =
    if (values.isEmpty) None
    else {
      val sorted = values.sorted
      val n = sorted.length
      val mean = sorted.sum / n
      val median =
        if (n % 2 == 1) sorted(n / 2)
        else (sorted(n / 2 - 1) + sorted(n / 2)) / 2
      val variance = sorted.map(v => (v - mean) * (v - mean)).sum / n
      Some(Stats(n, mean, median, math.sqrt(variance), sorted.head, sorted.last))
    }

  def histogram(values: Seq[Double], buckets: Int): Vector[Int] = {
    require(buckets > 0, "need at least one bucket")
    if (values.isEmpty) Vector.fill(buckets)(0)
    else {
      val lo = values.min
      val width = math.max((values.max - lo) / buckets, 1e-12)
      values.foldLeft(Vector.fill(buckets)(0)) { (acc, v) =>
        val index = math.min(((v - lo) / width).toInt, buckets - 1)
        acc.updated(index, acc(index) + 1)
      }
    }
  }
}
