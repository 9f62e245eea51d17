import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { AdoptCart } from "@/components/cart/adopt-cart";
import { CheckoutForm } from "@/components/checkout/checkout-form";
import type { Schema } from "@/lib/api/types";
import { getCart } from "@/lib/cart/server";
import { addressFormCountries } from "@/lib/checkout/countries";
import { deliveryWeatherNotice } from "@/lib/integrations/api";
import { weatherAddressOf } from "@/lib/integrations/notice";
import { stripePublishableKey } from "@/lib/config";
import { sessionApi } from "@/lib/session/api";
import { getSession } from "@/lib/session/session";

export const metadata: Metadata = { title: "Checkout", alternates: { canonical: "/checkout" }, robots: { index: false } };

/**
 * Checkout (never cached: it reads the cart cookie and the session). `?cart_id=` (the abandoned
 * cart email) adopts that cart first. A checked-out cart whose payment failed can be paid again.
 */
export default async function CheckoutPage({ searchParams }: PageProps<"/checkout">) {
  const params = await searchParams;
  const linked = typeof params.cart_id === "string" ? params.cart_id : null;
  const [cart, session] = await Promise.all([getCart(), getSession()]);
  if (linked && linked.toLowerCase() !== cart?.id) {
    return (
      <Shell>
        <AdoptCart cartId={linked} returnTo="/checkout" />
      </Shell>
    );
  }
  if (!cart || cart.lines.length === 0) {
    return (
      <Shell>
        <p className="text-muted">Your cart is empty.</p>
        <Link href="/" className="mt-4 inline-block font-medium text-brand-700 underline">Continue shopping</Link>
      </Shell>
    );
  }
  const api = await sessionApi();
  const [addresses, options, weather, shipsTo] = await Promise.all([
    session ? api.GET("/api/v1/me/addresses").then((r) => r.data?.items ?? []) : Promise.resolve<Schema<"AddressRead">[]>([]),
    cart.shipping_address && cart.status === "open"
      ? api.GET("/api/v1/carts/{cart_id}/shipping-options", { params: { path: { cart_id: cart.id } } }).then((r) => r.data?.items ?? [])
      : Promise.resolve<Schema<"ShippingOptionRead">[]>([]),
    deliveryWeatherNotice(weatherAddressOf(cart.shipping_address)),
    addressFormCountries(),
  ]);
  return (
    <Shell>
      <CheckoutForm
        initialCart={cart}
        initialOptions={options}
        initialWeather={weather}
        savedAddresses={addresses}
        countries={shipsTo.countries}
        countryHints={shipsTo.hints}
        defaultEmail={session?.user.email ?? ""}
        stripePublishableKey={stripePublishableKey()}
        placedOrderHref={session && cart.customer_id && cart.order_id ? `/orders/${cart.order_id}` : null}
      />
    </Shell>
  );
}

function Shell({ children }: { children: React.ReactNode }) {
  return (
    <div className="mx-auto max-w-5xl">
      <h1 className="mb-6 text-2xl font-bold">Checkout</h1>
      {children}
    </div>
  );
}
