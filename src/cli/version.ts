/** slipway's version; a test keeps it equal to package.json's. */
export { version } from "../model/slipway-version.js";
