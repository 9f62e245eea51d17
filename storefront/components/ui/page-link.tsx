import type { AnchorHTMLAttributes } from "react";

/**
 * A link that loads the next page as a document (a plain <a>), for the links into the sign-in,
 * registration and password pages. Their fields carry the same labels as the page left (Email,
 * Password), and a client-side transition keeps the old page's fields on screen until the new
 * page arrives: what a person (or a browser test) types right after the click would go into the
 * page being left and be lost. A document load is there at once, and nothing of the old page is.
 */
export function PageLink(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return <a {...props} />;
}
