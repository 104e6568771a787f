export { FALLBACK_COUNTRY, PHONE_COUNTRIES, phoneCountry, type PhoneCountry } from "./countries.js";
export { formatPhone, normalisePhone, samePhone } from "./normalise.js";
