export type Point = { x: number; y: number };

export interface Shape {
  readonly kind: string;
  area(): number;
  perimeter(): number;
  contains(p: Point): boolean;
}

export class Circle implements Shape {
  readonly kind = 'circle';
  constructor(private readonly center: Point, private readonly radius: number) {
    if (radius <= 0) {
      throw new RangeError('radius must be positive');
    }
  }

  area(): number {
    return Math.PI * this.radius ** 2;
  }

  perimeter(): number {
    return 2 * Math.PI * this.radius;
  }

  contains(p: Point): boolean {
    return Math.hypot(p.x - this.center.x, p.y - this.center.y) <= this.radius;
  }
}

export class Rectangle implements Shape {
  readonly kind = 'rectangle';
  constructor(private readonly corner: Point, private readonly width: number, private readonly height: number) {}

  area(): number {
    return this.width * this.height;
  }

  perimeter(): number {
    return 2 * (this.width + this.height);
  }

  contains(p: Point): boolean {
    return (
      p.x >= this.corner.x &&
      p.x <= this.corner.x + this.width &&
      p.y >= this.corner.y &&
      p.y <= this.corner.y + this.height
    );
  }
}

export function largest(shapes: Shape[]): Shape | undefined {
  return shapes.reduce<Shape | undefined>((best, s) => (best === undefined || s.area() > best.area() ? s : best), undefined);
}

const shapes: Shape[] = [new Circle({ x: 0, y: 0 }, 2), new Rectangle({ x: 1, y: 1 }, 3, 4)];
for (const s of shapes) {
  console.log(`${s.kind}: area=${s.area().toFixed(2)} perimeter=${s.perimeter().toFixed(2)}`);
}
console.log('largest:', largest(shapes)?.kind);
