// A Kokoro voice blend's style matrix (voice-blend.ts has the notation): pure, so it is tested without the model.

/**
 * A blend's style matrix: sum(weight_i * styles_i) / sum(weight_i), element by element over the
 * whole 510 x 256 matrix, so every row (one per piece length) is mixed alike.
 */
export function mixStyles(parts: readonly { weight: number; styles: Float32Array }[]): Float32Array {
  const length = parts[0]?.styles.length ?? 0;
  if (parts.some((part) => part.styles.length !== length)) throw new Error('voice style matrices differ in size');
  const total = parts.reduce((sum, part) => sum + part.weight, 0);
  if (!(total > 0)) throw new Error('a blend needs a weight above 0');
  // Summed in doubles, rounded to float32 once.
  const sums = new Float64Array(length);
  for (const { weight, styles } of parts) for (let i = 0; i < length; i++) sums[i]! += weight * styles[i]!;
  return Float32Array.from(sums, (sum) => sum / total);
}
