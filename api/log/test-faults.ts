// Faults the power-loss tests inject on purpose, to prove that they notice a log that breaks its
// durability contract (their negative control). Test-only: never set these outside that test.
//   URING_LOOP_TEST_SKIP_DATASYNC=1  batches are written without their fdatasync or RWF_DSYNC
//   URING_LOOP_TEST_SKIP_DIRSYNC=1   a new segment's rename is not followed by a directory fsync

/** Batches go in as a lone writev, unsynced: acknowledged records are not on stable storage. */
export const skipDatasync = process.env.URING_LOOP_TEST_SKIP_DATASYNC === '1';
/** New segments are renamed into place without syncing the directory. */
export const skipDirSync = process.env.URING_LOOP_TEST_SKIP_DIRSYNC === '1';
