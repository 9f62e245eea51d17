import localFont from "next/font/local";

/** Inter (variable weight), self-hosted from the @fontsource-variable/inter npm package. */
export const inter = localFont({
  src: "../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2",
  weight: "100 900",
  style: "normal",
  display: "swap",
  variable: "--font-inter",
  fallback: ["system-ui", "Segoe UI", "Roboto", "Arial", "sans-serif"],
});
