import { prisma } from "../../../lib/db";
import { stripe } from "../../../lib/stripe";

export async function POST(request) {
  const form = await request.formData();
  const product = await prisma.product.findUnique({ where: { slug: String(form.get("slug")) } });
  if (!product) return new Response("no such product", { status: 404 });
  const session = await stripe().checkout.sessions.create({
    mode: "payment",
    line_items: [{ price_data: { currency: "eur", unit_amount: product.priceCents, product_data: { name: product.name } }, quantity: 1 }],
    success_url: `${process.env.PUBLIC_URL}/?paid=1`,
    cancel_url: `${process.env.PUBLIC_URL}/products/${product.slug}`,
  });
  return Response.redirect(session.url, 303);
}
