/** slipway's version; a test keeps it equal to package.json's. Here so renderers can pin it (`npx slipway@VERSION`). */
export const version = "0.1.0";
