import Link from "next/link";
import { prisma } from "../lib/db";

export const dynamic = "force-dynamic";

export default async function Home() {
  const products = await prisma.product.findMany({ orderBy: { createdAt: "desc" }, take: 24 });
  return (
    <main>
      <h1>Storefront</h1>
      <ul>
        {products.map((p) => (
          <li key={p.id}>
            <Link href={`/products/${p.slug}`}>{p.name}</Link> · {(p.priceCents / 100).toFixed(2)}
          </li>
        ))}
      </ul>
    </main>
  );
}
