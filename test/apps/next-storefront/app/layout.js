export const metadata = { title: "Storefront", description: "A few good things, for sale" };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
