// Numbers as operators read them: binary units, hex addresses, UTC times, short durations.
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

// The same figure the CLI and the logs print (Core/Units/ByteSize.Format): at most one decimal,
// no trailing ".0"; a test runs both on one table of sizes.
export function bytes(n) {
  if (n === null || n === undefined) return "—";
  let v = Number(n), i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1).replace(/\.0$/, "")} ${UNITS[i]}`;
}

export function hex(big) { return "0x" + big.toString(16); }

export function addr(text) { return BigInt(text); }

export function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function ms(value) {
  if (value === null || value === undefined) return "—";
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  return `${(value / 60_000).toFixed(1)} min`;
}

export function yesNo(value, yes = "yes", no = "no", unknown = "unknown") {
  return value === true ? yes : value === false ? no : unknown;
}
