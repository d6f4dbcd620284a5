'use strict';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Human readable file size, e.g. 1536 -> "1.5 KB". */
function formatBytes(bytes, decimals = 1) {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new RangeError(`invalid size: ${bytes}`);
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(decimals)} ${UNITS[unit]}`;
}

/** Short relative time, e.g. "3 minutes ago". */
function timeAgo(date, now = new Date()) {
  const seconds = Math.round((now - date) / 1000);
  const steps = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [Infinity, 'week'],
  ];
  let amount = seconds;
  for (const [size, name] of steps) {
    if (Math.abs(amount) < size) {
      const label = Math.abs(amount) === 1 ? name : `${name}s`;
      return amount >= 0 ? `${amount} ${label} ago` : `in ${-amount} ${label}`;
    }
    amount = Math.round(amount / size);
  }
  return 'a long time ago';
}

/** Title Case a sentence, leaving short words in lower case. */
function titleCase(sentence) {
  const small = new Set(['a', 'an', 'and', 'of', 'the', 'to', 'in', 'on']);
  return sentence
    .toLowerCase()
    .split(/\s+/)
    .map((word, index) => (index > 0 && small.has(word) ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(' ');
}

module.exports = { formatBytes, timeAgo, titleCase };
