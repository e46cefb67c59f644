/**
 * Ends the process once the step's work is done, if anything still holds it open a second later.
 * Node does not close a proxy tunnel whose CONNECT was never answered: after the API call timed
 * out, that socket would keep the step running until the job's own timeout. The timer does not
 * keep the process alive itself, so a step that ends normally ends at once, its output written.
 */
export function endWhenDone(graceMs = 1000): void {
  setTimeout(() => {
    process.exit();
  }, graceMs).unref();
}
