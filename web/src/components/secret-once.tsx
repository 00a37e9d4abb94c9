// The one place a key value is shown: right after create or regenerate, with a copy button and the seed's
// warning. The value lives only in the state of the screen that received it and goes with that screen on
// dismiss, navigation or reload.
import { useEffect, useRef, useState } from "preact/hooks";

export function SecretOnce({ secret, onDismiss }: { secret: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };

  return (
    <section class="secret" aria-labelledby="secret-heading">
      <h2 id="secret-heading" tabIndex={-1} ref={heading}>
        Copy your new API key now
      </h2>
      <p class="warning" id="secret-warning">
        <strong>Important:</strong> the dashboard displays your new API key exactly once. Copy it immediately
        and store it securely. For security reasons, the full key cannot be retrieved later. If you lose a
        key, you must generate a new one.
      </p>
      <label for="new-secret">New API key</label>
      <div class="secret-row">
        <input
          id="new-secret"
          readOnly
          value={secret}
          aria-describedby="secret-warning"
          autoComplete="off"
          spellcheck={false}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p aria-live="polite" class="help">
        {copied === "yes" && "Copied to the clipboard."}
        {copied === "failed" && "The browser refused the clipboard: select the key and copy it by hand."}
      </p>
      <button type="button" onClick={onDismiss}>
        I have stored the key: hide it
      </button>
    </section>
  );
}
