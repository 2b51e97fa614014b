export async function importOpensloCommand(_argv: string[]): Promise<number> {
  return 1;
}
