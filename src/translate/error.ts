/** A KIngress that cannot be translated with the inputs at hand (missing secret, bad certificate, ...). */
export class TranslateError extends Error {
  override readonly name = 'TranslateError';
}
