export async function opensloCommand(_argv: string[]): Promise<number> {
  return 1;
}
