import type { Metadata, Viewport } from "next";
import { AnnouncementBar } from "@/components/layout/announcement-bar";
import { SiteFooter } from "@/components/layout/site-footer";
import { SiteHeader } from "@/components/layout/site-header";
import { SkipLink } from "@/components/layout/skip-link";
import { storefrontUrl } from "@/lib/config";
import { inter } from "./fonts";
import "./globals.css";

export const SITE_NAME = "Mercato";

/** Site-wide metadata; every page sets its own `alternates.canonical` (relative to metadataBase). */
export async function generateMetadata(): Promise<Metadata> {
  return {
    metadataBase: new URL(storefrontUrl()),
    title: { default: `${SITE_NAME} — shop`, template: `%s · ${SITE_NAME}` },
    description: "Mercato: a self-hostable shop.",
    openGraph: { type: "website", siteName: SITE_NAME },
  };
}

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: "#1d4ed8",
};

export default function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  return (
    <html lang="en" className={inter.variable}>
      <body className="flex min-h-dvh flex-col">
        <SkipLink />
        <AnnouncementBar />
        <SiteHeader />
        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 focus:outline-none sm:px-6 lg:px-8">
          {children}
        </main>
        <SiteFooter />
      </body>
    </html>
  );
}
