// ESLint (flat config) for the TypeScript: `npm run lint:ts`.
// - server/ and scripts/: typescript-eslint's recommended rules with type information (recommendedTypeChecked, the
//   tsconfig.json project), among them the promise rules: a promise nobody awaits or handles (no-floating-promises)
//   and a promise where a callback returning void is expected (no-misused-promises). A deliberate fire-and-forget
//   is written `void promise;` with a comment saying why. `any` is an error: a justified use carries
//   `// eslint-disable-next-line @typescript-eslint/no-explicit-any -- <reason>`.
// - test/, ignition/, hardhat.config.ts: the recommended rules without type information (quicker); `any` and chai's
//   property assertions (`expect(x).to.be.true`) allowed.
// - the two plain JavaScript files (a worker thread, the mocha reporter): ESLint's recommended rules.
// - layout is Prettier's (.prettierrc.json, `npm run format`); eslint-config-prettier turns off the rules it owns.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier/flat";

const node = {
  process: "readonly",
  console: "readonly",
  Buffer: "readonly",
  setTimeout: "readonly",
  clearTimeout: "readonly",
  setInterval: "readonly",
  clearInterval: "readonly",
  setImmediate: "readonly",
  queueMicrotask: "readonly",
  URL: "readonly",
  TextEncoder: "readonly",
  TextDecoder: "readonly",
};

export default tseslint.config(
  {
    ignores: ["node_modules/", "artifacts/", "cache/", ".forge/", "typechain-types/", "coverage/", "dist/", "data/"],
  },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: node },
  },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommended],
    rules: {
      // `_`-prefixed names are deliberately unused (positional parameters, destructured-away members).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["server/**/*.ts", "scripts/**/*.ts"],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      // `declare global { namespace Express { ... } }` is how Express's request and locals types are augmented.
      "@typescript-eslint/no-namespace": ["error", { allowDeclarations: true }],
    },
  },
  {
    files: ["test/**/*.ts", "ignition/**/*.ts", "hardhat.config.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
  prettier,
);
