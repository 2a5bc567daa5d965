/** Bad input to `network init`: the message says what to change. Nothing has been written when it is thrown. */
export class NetworkInputError extends Error {}
