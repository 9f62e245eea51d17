import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Unit tests of pure helpers and server-rendered components (no DOM, no network): *.test.ts(x) next to the code.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["lib/**/*.test.ts", "components/**/*.test.ts", "components/**/*.test.tsx"],
    environment: "node",
  },
});
