"use client";
import dynamic from "next/dynamic";
import { useEffect, useRef, useState, useTransition } from "react";
import { addressHints, countryName, withCountry, type CountryHints } from "@/lib/account/address-form";
import type { CartRead, Schema } from "@/lib/api/types";
import { writeCartMirror } from "@/lib/cart/mirror";
import { lineProblem } from "@/lib/cart/optimistic";
import type { CartResult } from "@/lib/cart/result";
import type { CardFields } from "@/lib/checkout/card";
import { applyDiscount, chooseShipping, finishCheckout, placeOrder, removeDiscount, saveAddress, type AddressInput, type PayResult } from "@/lib/checkout/actions";
import { localOrderStorage, recallOrder, rememberOrder } from "@/lib/checkout/order-memory";
import { attemptKey, forgetAttemptKey, keepsKey, sessionKeyStorage, storedAttemptKey } from "@/lib/checkout/idempotency";
import { shippingWaiver, waiverText } from "@/lib/checkout/shipping-waiver";
import { checkoutState, deliveryEstimate, splitName } from "@/lib/checkout/state";
import { formatMoney } from "@/lib/format/money";
import { weatherNoticeFor } from "@/lib/integrations/actions";
import type { WeatherNoticeData } from "@/lib/integrations/notice";
import { FieldHint, hintDescribes } from "@/components/address/field-hint";
import Link from "@/components/ui/page-link";
import { WeatherNotice } from "@/components/weather-notice";
import { CardForm } from "./card-form";
import { TotalsList } from "./order-summary";

// Stripe's packages load only when the API answers with a Stripe payment.
const StripePayment = dynamic(() => import("./stripe-payment").then((m) => m.StripePayment), { ssr: false });

type ShippingOption = Schema<"ShippingOptionRead">;
type SavedAddress = Schema<"AddressRead">;

const EMPTY_ADDRESS: AddressInput = { first_name: "", last_name: "", line1: "", line2: "", city: "", postal_code: "", country: "DE", phone: "" };

/** Germany when the shop ships there (the shop's home), else the first country offered. */
function defaultCountry(countries: Array<[string, string]>): string {
  return countries.some(([code]) => code === "DE") ? "DE" : (countries[0]?.[0] ?? "DE");
}

function fromCart(value: CartRead["shipping_address"]): AddressInput | null {
  if (!value) return null;
  const pick = (k: string) => (typeof value[k] === "string" ? (value[k] as string) : "");
  return { first_name: pick("first_name"), last_name: pick("last_name"), line1: pick("line1"), line2: pick("line2"), city: pick("city"), postal_code: pick("postal_code"), region: pick("region"), country: pick("country") || "DE", phone: pick("phone") };
}

function fromSaved(address: SavedAddress): AddressInput {
  return { ...splitName(address.full_name), line1: address.line1, line2: address.line2, city: address.city, postal_code: address.postal_code, region: address.region, country: address.country || "DE", phone: address.phone };
}

function clean(address: AddressInput): AddressInput {
  const out: AddressInput = { ...address };
  for (const key of ["line2", "phone", "company", "region"] as const) if (!out[key]) delete out[key];
  return out;
}

function Alert({ children, id }: { children: React.ReactNode; id?: string }) {
  return <p role="alert" id={id} className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">{children}</p>;
}

export function CheckoutForm(props: {
  initialCart: CartRead;
  initialOptions: ShippingOption[];
  /** the delivery-weather notice for the cart's address, when severe weather is forecast */
  initialWeather?: WeatherNoticeData | null;
  savedAddresses: SavedAddress[];
  /** [code, name] of the countries the API accepts, sorted by name (lib/checkout/countries.ts) */
  countries: Array<[string, string]>;
  /** each country's postal code example and whether it needs a state/province (the API's hints) */
  countryHints?: CountryHints;
  defaultEmail: string;
  stripePublishableKey: string | null;
  /** the order this (already ordered) cart became, when the server knows the shopper may open it */
  placedOrderHref?: string | null;
}) {
  const [cart, setCart] = useState(props.initialCart);
  const [options, setOptions] = useState(props.initialOptions);
  const [weather, setWeather] = useState<WeatherNoticeData | null>(props.initialWeather ?? null);
  const [editing, setEditing] = useState(!props.initialCart.shipping_address);
  const [email, setEmail] = useState(props.initialCart.email ?? props.defaultEmail);
  const [address, setAddress] = useState<AddressInput>(() => fromCart(props.initialCart.shipping_address) ?? (props.savedAddresses[0] ? fromSaved(props.savedAddresses[0]) : { ...EMPTY_ADDRESS, country: defaultCountry(props.countries) }));
  const [discount, setDiscount] = useState("");
  const [errors, setErrors] = useState<{ address?: string; shipping?: string; discount?: string; payment?: string }>({});
  /** the API's errors per address field (`errors[].loc`), shown next to the fields */
  const [addressErrors, setAddressErrors] = useState<Record<string, string>>({});
  const [payment, setPayment] = useState<PayResult | null>(null);
  const [pending, startTransition] = useTransition();
  const [paying, startPaying] = useTransition();
  const key = useRef<string | null>(null);
  const placed = cart.status !== "open";
  const state = checkoutState(cart);
  const [resumable, setResumable] = useState(true);
  const [placedOrderHref, setPlacedOrderHref] = useState(props.placedOrderHref ?? null);
  const [shippingChoice, setShippingChoice] = useState<string | null>(null);
  const chosenShipping = shippingChoice ?? cart.shipping_method?.code ?? null;
  const { regionRequired: needsRegion, postalCodeHint } = addressHints(props.countryHints ?? {}, address.country);
  /**
   * Where the keyboard focus goes once an action has replaced the control that had it (a button
   * that disappears leaves the focus on <body>, and a screen reader user lost): set before the
   * change, moved by the effect after React rendered it.
   */
  const focusNext = useRef<"shipping" | "email" | "discount" | "remove-code" | "challenge" | null>(null);
  const shippingHeading = useRef<HTMLHeadingElement>(null);
  const challengeBox = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = focusNext.current;
    if (!target) return;
    const element =
      target === "shipping" ? shippingHeading.current
      : target === "challenge" ? challengeBox.current
      : document.getElementById(target === "email" ? "email" : target === "discount" ? "discount" : "remove-discount");
    if (!element) return; // not rendered yet: the next render tries again
    focusNext.current = null;
    element.focus();
  });

  useEffect(() => {
    // A reload after the order was placed (e.g. after a decline): resume with the same key.
    if (placed) {
      key.current = storedAttemptKey(sessionKeyStorage(), cart.id);
      if (!key.current) setResumable(false);
      // a guest's order page (with its token) is known only to the browser that placed it
      const remembered = cart.order_id ? recallOrder(localOrderStorage(), cart.order_id) : null;
      if (remembered) setPlacedOrderHref((href) => href ?? remembered.url); // eslint-disable-line react-hooks/set-state-in-effect
    }
  }, [placed, cart.id, cart.order_id]);

  function onCart(result: CartResult, field: keyof typeof errors): boolean {
    if (!result.ok) {
      setErrors((e) => ({ ...e, [field]: result.message }));
      return false;
    }
    setErrors((e) => ({ ...e, [field]: undefined }));
    setCart(result.cart);
    writeCartMirror({ id: result.cart.id, count: result.cart.item_count });
    return true;
  }

  function submitAddress(event: React.FormEvent) {
    event.preventDefault();
    if (pending) return; // the button stays enabled (and focused) while it runs
    startTransition(async () => {
      try {
        // a state typed for a country that has none is not sent
        const entered = clean(needsRegion ? address : { ...address, region: "" });
        const result = await saveAddress(email.trim(), entered);
        if (!result.ok) {
          setAddressErrors(result.fieldErrors ?? {});
          setErrors((e) => ({ ...e, address: result.message }));
          return;
        }
        setAddressErrors({});
        setErrors((e) => ({ ...e, address: undefined }));
        setCart(result.cart);
        setOptions(result.options);
        setEditing(false);
        focusNext.current = "shipping";
        // the notice never blocks checkout: asked separately, and a failure means no notice
        setWeather(null);
        weatherNoticeFor(entered.country, entered.postal_code, entered.city).then(setWeather, () => setWeather(null));
      } catch {
        setErrors((e) => ({ ...e, address: "The connection was lost. Check your connection and try again." }));
      }
    });
  }

  function pickShipping(code: string) {
    setShippingChoice(code); // shown at once; the API's cart (and totals) follow
    startTransition(async () => {
      let ok = false;
      try {
        ok = onCart(await chooseShipping(code), "shipping");
      } catch {
        setErrors((e) => ({ ...e, shipping: "The connection was lost. Check your connection and try again." }));
      }
      if (!ok) setErrors((e) => ({ ...e, shipping: e.shipping ?? "That shipping method could not be chosen." }));
      setShippingChoice(null);
    });
  }

  function submitDiscount(event: React.FormEvent) {
    event.preventDefault();
    if (pending) return; // the button stays enabled (and focused) while another change runs
    startTransition(async () => {
      try {
        if (onCart(await applyDiscount(discount), "discount")) {
          setDiscount("");
          focusNext.current = "remove-code"; // the field and its button are gone
        }
      } catch {
        setErrors((e) => ({ ...e, discount: "The connection was lost. Check your connection and try again." }));
      }
    });
  }

  function dropDiscount() {
    if (pending) return;
    startTransition(async () => {
      try {
        if (onCart(await removeDiscount(), "discount")) focusNext.current = "discount";
      } catch {
        setErrors((e) => ({ ...e, discount: "The connection was lost. Check your connection and try again." }));
      }
    });
  }

  function pay(card: CardFields | null) {
    key.current ??= attemptKey(sessionKeyStorage(), cart.id);
    const attempt = key.current;
    setPayment(null);
    setErrors((e) => ({ ...e, payment: undefined }));
    startPaying(async () => {
      let result: PayResult;
      try {
        result = await placeOrder(cart.id, attempt, card); // "done" redirects to the order page
      } catch {
        setErrors((e) => ({ ...e, payment: "The connection was lost. Check your connection and try again — you will not be charged twice." }));
        return;
      }
      if (result.orderUrl) {
        writeCartMirror({ id: cart.id, count: 0 }); // ordered: the badge no longer counts it
        rememberOrder(localOrderStorage(), result.orderUrl, result.ok && result.kind === "challenge" ? { intentId: result.intentId, url: result.url } : undefined);
      }
      if (!result.ok) {
        if (!keepsKey(result.code)) {
          forgetAttemptKey(sessionKeyStorage(), cart.id);
          key.current = null;
        }
        let message = result.message;
        if (result.cart) setCart(result.cart);
        if (result.code === "insufficient_stock") {
          const line = (result.cart ?? cart).lines.find((l) => l.sku === result.sku);
          message = line
            ? `Sorry, ${line.product_title} (${line.variant_title}) has just sold out. Remove it or lower the quantity, then try again.`
            : "Sorry, an item in your cart has just sold out. Update your cart, then try again.";
        }
        setErrors((e) => ({ ...e, payment: message }));
        if (result.orderUrl) setCart((c) => ({ ...c, status: "checked_out" }));
        return;
      }
      setCart((c) => ({ ...c, status: "checked_out" }));
      if (result.kind === "challenge") focusNext.current = "challenge"; // the card form is gone
      setPayment(result);
    });
  }

  const totalLabel = `Pay ${formatMoney(cart.total)}`;
  const waiver = shippingWaiver(cart.shipping_method?.price.amount, cart.shipping_total, cart.discount_code);
  const addressSummary = fromCart(cart.shipping_address);

  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_22rem]">
      <div className="space-y-8">
        <section aria-labelledby="contact-heading" className="space-y-3">
          <h2 id="contact-heading" className="text-lg font-semibold">1. Contact and delivery details</h2>
          {errors.address ? <Alert>{errors.address}</Alert> : null}
          {editing && !placed ? (
            <form onSubmit={submitAddress} className="space-y-3">
              {props.savedAddresses.length > 0 ? (
                <div>
                  <label htmlFor="saved-address" className="block text-sm font-medium">Fill in from your account</label>
                  <select id="saved-address" className="mt-1 w-full rounded-md border border-gray-400 px-3 py-2" defaultValue="" onChange={(e) => {
                    const saved = props.savedAddresses.find((a) => a.id === e.target.value);
                    if (saved) setAddress(fromSaved(saved));
                  }}>
                    <option value="">Choose one you saved…</option>
                    {props.savedAddresses.map((a) => (
                      <option key={a.id} value={a.id}>{`${a.full_name}, ${a.line1}, ${a.city}`}</option>
                    ))}
                  </select>
                </div>
              ) : null}
              <Field label="Email" id="email" type="email" autoComplete="email" value={email} onChange={setEmail} required error={addressErrors.email} />
              <div className="grid gap-3 sm:grid-cols-2">
                <Field label="First name" id="first_name" autoComplete="given-name" value={address.first_name} onChange={(v) => setAddress({ ...address, first_name: v })} required error={addressErrors.first_name} />
                <Field label="Last name" id="last_name" autoComplete="family-name" value={address.last_name} onChange={(v) => setAddress({ ...address, last_name: v })} required error={addressErrors.last_name} />
              </div>
              <Field label="Address" id="line1" autoComplete="address-line1" value={address.line1} onChange={(v) => setAddress({ ...address, line1: v })} required error={addressErrors.line1} />
              <Field label="Apartment, suite (optional)" id="line2" autoComplete="address-line2" value={address.line2 ?? ""} onChange={(v) => setAddress({ ...address, line2: v })} error={addressErrors.line2} />
              <div className="grid gap-3 sm:grid-cols-2">
                <Field label="Postal code" id="postal_code" autoComplete="postal-code" value={address.postal_code} onChange={(v) => setAddress({ ...address, postal_code: v })} required hint={postalCodeHint} error={addressErrors.postal_code} />
                <Field label="City" id="city" autoComplete="address-level2" value={address.city} onChange={(v) => setAddress({ ...address, city: v })} required error={addressErrors.city} />
              </div>
              <div className="grid gap-3 sm:grid-cols-2">
                <div>
                  <label htmlFor="country" className="block text-sm font-medium">Country</label>
                  <select id="country" autoComplete="country" value={address.country} onChange={(e) => setAddress({ ...address, country: e.target.value })} aria-invalid={addressErrors.country ? true : undefined} aria-describedby={addressErrors.country ? "country-error" : undefined} className="mt-1 w-full rounded-md border border-gray-400 px-3 py-2">
                    {withCountry(props.countries, address.country).map(([code, name]) => <option key={code} value={code}>{name}</option>)}
                  </select>
                  <FieldError id="country" message={addressErrors.country} />
                </div>
                {needsRegion ? (
                  <Field label="State / province" id="region" autoComplete="address-level1" value={address.region ?? ""} onChange={(v) => setAddress({ ...address, region: v })} required error={addressErrors.region} />
                ) : null}
                <Field label="Phone (optional)" id="phone" type="tel" autoComplete="tel" value={address.phone ?? ""} onChange={(v) => setAddress({ ...address, phone: v })} error={addressErrors.phone} />
              </div>
              <button type="submit" aria-disabled={pending} className="rounded-md bg-brand-600 px-5 py-2 font-semibold text-white hover:bg-brand-700 aria-disabled:opacity-60">
                Continue to shipping
              </button>
            </form>
          ) : (
            <div className="rounded-md border border-gray-200 p-3 text-sm">
              <p>{cart.email}</p>
              {addressSummary ? (
                <p>{`${addressSummary.first_name} ${addressSummary.last_name}, ${addressSummary.line1}${addressSummary.line2 ? `, ${addressSummary.line2}` : ""}, ${addressSummary.postal_code} ${addressSummary.city}${addressSummary.region ? ` ${addressSummary.region}` : ""}, ${countryName(addressSummary.country)}`}</p>
              ) : null}
              {!placed ? (
                <button type="button" onClick={() => { focusNext.current = "email"; setEditing(true); }} className="mt-2 text-brand-700 underline">Edit address</button>
              ) : null}
            </div>
          )}
        </section>

        <section aria-labelledby="shipping-heading" className="space-y-3">
          <h2 id="shipping-heading" ref={shippingHeading} tabIndex={-1} className="text-lg font-semibold">2. Shipping</h2>
          {errors.shipping ? <Alert>{errors.shipping}</Alert> : null}
          {state.contactDone && !editing ? <WeatherNotice notice={weather} /> : null}
          {!state.contactDone || editing ? (
            <p className="text-sm text-muted">Enter your address to see the shipping options.</p>
          ) : placed ? (
            <p className="text-sm">{cart.shipping_method ? `${cart.shipping_method.name} — ${waiver ? waiverText(waiver) : formatMoney(cart.shipping_method.price)}` : null}</p>
          ) : options.length === 0 ? (
            <p className="text-sm">We cannot ship to this address. Try another country.</p>
          ) : (
            <fieldset className="space-y-2">
              <legend className="sr-only">Shipping method</legend>
              {options.map((option) => (
                <label key={option.code} className="flex cursor-pointer items-center gap-3 rounded-md border border-gray-300 p-3 has-[:checked]:border-brand-600">
                  <input type="radio" name="shipping" value={option.code} checked={chosenShipping === option.code} onChange={() => pickShipping(option.code)} />
                  <span className="flex-1">
                    <span className="font-medium">{option.name}</span>
                    <span className="block text-sm text-muted">{deliveryEstimate(option.min_days, option.max_days)}</span>
                  </span>
                  <span className="font-medium">{option.price.amount === 0 ? "Free" : formatMoney(option.price)}</span>
                </label>
              ))}
            </fieldset>
          )}
        </section>

        <section aria-labelledby="payment-heading" className="space-y-3">
          <h2 id="payment-heading" className="text-lg font-semibold">3. Payment</h2>
          <div aria-live="polite" role="status" className="text-sm">
            {paying ? "Processing your payment…" : null}
          </div>
          {errors.payment ? <Alert>{errors.payment}</Alert> : null}
          {placed && !resumable && !payment ? (
            placedOrderHref ? (
              <Alert>
                This cart has already been ordered.{" "}
                <Link href={placedOrderHref} className="font-semibold underline">View your order</Link> to pay for it or see how it stands.
              </Alert>
            ) : (
              <Alert>This cart has already been ordered. Open the link in your order email to pay or see the order.</Alert>
            )
          ) : null}
          {payment?.ok && payment.kind === "challenge" ? (
            <div ref={challengeBox} tabIndex={-1} className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4 text-sm">
              <p className="font-medium">Your bank asks you to approve this payment.</p>
              <p>
                <a href={payment.url} target="_blank" rel="noopener noreferrer" className="font-semibold text-brand-700 underline">
                  Approve the payment with your bank
                </a>{" "}
                (opens in a new tab), then come back here.
              </p>
              <form action={finishCheckout.bind(null, payment.orderUrl)}>
                <button type="submit" className="rounded-md bg-brand-600 px-5 py-2 font-semibold text-white hover:bg-brand-700">
                  I have approved it — view my order
                </button>
              </form>
            </div>
          ) : payment?.ok && payment.kind === "stripe" ? (
            props.stripePublishableKey ? (
              <StripePayment publishableKey={props.stripePublishableKey} clientSecret={payment.clientSecret} orderUrl={payment.orderUrl} label={totalLabel} />
            ) : (
              <Alert>Card payments are not configured on this shop (MERCATO_STRIPE_PUBLISHABLE_KEY is missing).</Alert>
            )
          ) : props.stripePublishableKey && !placed ? (
            <button type="button" disabled={!state.canPay || paying} onClick={() => pay(null)} className="w-full rounded-md bg-brand-600 px-6 py-3 font-semibold text-white hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-60">
              Continue to payment
            </button>
          ) : (
            <CardForm label={totalLabel} pending={paying} disabled={(placed ? !resumable : !state.canPay) || pending} onPay={pay} />
          )}
        </section>
      </div>

      <aside aria-labelledby="summary-heading" className="h-fit space-y-4 rounded-lg border border-gray-200 p-4 lg:sticky lg:top-4">
        <h2 id="summary-heading" className="text-lg font-semibold">Order summary</h2>
        <ul className="space-y-2 text-sm">
          {cart.lines.map((line) => {
            const problem = lineProblem(line);
            return (
              <li key={line.id}>
                <div className="flex justify-between gap-2">
                  <span>{`${line.product_title} — ${line.variant_title} × ${line.quantity}`}</span>
                  <span>{formatMoney(line.line_total)}</span>
                </div>
                {problem ? <p className="font-medium text-red-800">{problem} <a href="/cart" className="underline">Edit cart</a></p> : null}
              </li>
            );
          })}
        </ul>
        {!placed ? (
          <form onSubmit={submitDiscount} className="space-y-2">
            {cart.discount_code ? (
              <p className="flex items-center justify-between text-sm">
                <span>Code <strong>{cart.discount_code}</strong> applied</span>
                <button type="button" id="remove-discount" onClick={dropDiscount} aria-disabled={pending} className="text-brand-700 underline">Remove code</button>
              </p>
            ) : (
              <div className="flex items-end gap-2">
                <div className="flex-1">
                  <label htmlFor="discount" className="block text-sm font-medium">Discount code</label>
                  <input id="discount" value={discount} onChange={(e) => setDiscount(e.target.value)} aria-invalid={errors.discount ? true : undefined} aria-describedby={errors.discount ? "discount-error" : undefined} className="mt-1 w-full rounded-md border border-gray-400 px-3 py-2 aria-[invalid=true]:border-red-700" />
                </div>
                <button type="submit" aria-disabled={pending} className="rounded-md border border-gray-400 px-4 py-2 font-medium hover:bg-gray-50 aria-disabled:opacity-60">Apply</button>
              </div>
            )}
            {errors.discount ? <Alert id="discount-error">{errors.discount}</Alert> : null}
          </form>
        ) : null}
        <TotalsList totals={cart} shippingKnown={Boolean(cart.shipping_method)} waiver={waiver} />
      </aside>
    </div>
  );
}

function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? <p id={`${id}-error`} className="mt-1 text-sm text-red-800">{message}</p> : null;
}

/** `hint`: see FieldHint (null keeps its line, empty) */
function Field(props: { label: string; id: string; value: string; onChange: (v: string) => void; type?: string; autoComplete?: string; required?: boolean; hint?: string | null; error?: string }) {
  const described = [hintDescribes(`${props.id}-hint`, props.hint), props.error ? `${props.id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={props.id} className="block text-sm font-medium">{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? "text"}
        autoComplete={props.autoComplete}
        required={props.required}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={described}
        className="mt-1 w-full rounded-md border border-gray-400 px-3 py-2 aria-[invalid=true]:border-red-700"
      />
      <FieldHint id={`${props.id}-hint`} hint={props.hint} />
      <FieldError id={props.id} message={props.error} />
    </div>
  );
}
