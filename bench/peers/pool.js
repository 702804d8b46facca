// What a caller of a library writes for a batch: a plain pool of `concurrency` workers; prints the IDs in input order.

/** Runs `uploadOne` over the files, `concurrency` at a time, and prints one media ID per line in input order. */
export async function uploadAllAndPrint(files, concurrency, uploadOne) {
  const ids = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, files.length) }, async () => {
      while (next < files.length) {
        const index = next++;
        ids[index] = await uploadOne(files[index]);
      }
    }),
  );
  process.stdout.write(`${ids.join('\n')}\n`);
}
