import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Unit tests of pure helpers only (no DOM, no network): files named *.test.ts next to the code.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["lib/**/*.test.ts", "components/**/*.test.ts"],
    environment: "node",
  },
});
