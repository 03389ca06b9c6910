/** Types for the bcrypt-pbkdf package (OpenBSD's bcrypt_pbkdf in JS), which ships none. */
declare module "bcrypt-pbkdf" {
  const bcrypt: {
    pbkdf(pass: Uint8Array, passlen: number, salt: Uint8Array, saltlen: number, key: Uint8Array, keylen: number, rounds: number): number;
  };
  export default bcrypt;
}
