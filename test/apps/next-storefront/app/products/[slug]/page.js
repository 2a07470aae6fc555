import { notFound } from "next/navigation";
import { prisma } from "../../../lib/db";

export default async function Product({ params }) {
  const { slug } = await params;
  const product = await prisma.product.findUnique({ where: { slug } });
  if (!product) notFound();
  return (
    <main>
      <h1>{product.name}</h1>
      <p>{product.description}</p>
      <form action="/api/checkout" method="post">
        <input type="hidden" name="slug" value={product.slug} />
        <button type="submit">Buy for {(product.priceCents / 100).toFixed(2)}</button>
      </form>
    </main>
  );
}
