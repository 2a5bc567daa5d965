import { defineConfig } from "vite";

// `vite build portal`: the root is this folder; built into portal/dist, which the gateway serves at `/`.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
