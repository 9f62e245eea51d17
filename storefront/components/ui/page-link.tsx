"use client";
import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { settled } from "@/lib/navigation/pending-changes";

/**
 * The storefront's link: a plain <a>, so following it loads the next page as a document (ADR
 * 0057). A client-side transition keeps the page being left on screen until the next one
 * arrives; its fields often carry the same labels (Email on every sign-in page, Title on an
 * admin list's filter and on the product form), and what a person, or a browser test, types
 * right after the click went into the page being left and was lost. A document load is there
 * at once and nothing of the old page is. A change still on its way to the server (a cart line,
 * a wishlist toggle) is waited for first: the page load would cancel it. `prefetch` is accepted
 * for next/link's call sites and ignored.
 */
export default function PageLink(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; prefetch?: boolean }) {
  const anchor = { ...props };
  delete anchor.prefetch;
  const { onClick } = props;
  function follow(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (props.target && props.target !== "_self") return;
    const waiting = settled();
    if (waiting === null) return;
    event.preventDefault();
    const href = event.currentTarget.href;
    void waiting.then(() => window.location.assign(href));
  }
  return <a {...anchor} onClick={follow} />;
}

