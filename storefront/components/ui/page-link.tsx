import type { AnchorHTMLAttributes } from "react";

/**
 * The storefront's link: a plain <a>, so following it loads the next page as a document (ADR
 * 0057). A client-side transition keeps the page being left on screen until the next one
 * arrives; its fields often carry the same labels (Email on every sign-in page, Title on an
 * admin list's filter and on the product form), and what a person, or a browser test, types
 * right after the click went into the page being left and was lost. A document load is there
 * at once and nothing of the old page is. `prefetch` is accepted for next/link's call sites
 * and ignored.
 */
export function PageLink(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; prefetch?: boolean }) {
  const anchor = { ...props };
  delete anchor.prefetch;
  return <a {...anchor} />;
}

export default PageLink;
