// A change that needs a reason written down (declining a request, undoing a merge, cancelling an
// order or an appointment): an optional hint, the reason (required, said so in the reader's
// words), what went wrong in plain words, and the buttons. `send` does the change; `failure`
// turns its error into words, either about the reason itself (`{ field }`, shown on the field)
// or about the change as a whole.
import { useState } from 'react';
import { Button } from 'react-aria-components';
import { Notice, TextInput } from './fields';

export type ReasonFailure = string | { field: string };

export function ReasonForm({ name = 'reason', hint, label, required, confirm, cancel, onCancel, send, failure, pending,
  short = false, problemTestId }: {
  name?: string;
  hint?: string;
  label: string;
  required: string;  // said when the reason is left empty
  confirm: string;
  cancel?: string;
  onCancel?: () => void;
  send: (reason: string) => Promise<unknown>;
  failure: (e: unknown) => ReasonFailure;
  pending: boolean;
  short?: boolean;  // one line, for a reason of a few words
  problemTestId?: string;
}) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [problem, setProblem] = useState('');
  const submit = () => {
    setError('');
    setProblem('');
    if (!reason.trim()) return setError(required);
    send(reason).catch((e: unknown) => {
      const f = failure(e);
      if (typeof f === 'string') setProblem(f);
      else setError(f.field);
    });
  };
  return (
    <form className="decline-form" noValidate onSubmit={(e) => { e.preventDefault(); submit(); }}>
      {hint && <p className="hint">{hint}</p>}
      <TextInput name={name} label={label} value={reason} onChange={setReason} error={error || undefined}
        isRequired multiline={!short} maxLength={500} />
      {problem && <Notice tone="error" testId={problemTestId}>{problem}</Notice>}
      <div className="dialog-actions">
        {cancel && onCancel && <Button onPress={onCancel}>{cancel}</Button>}
        <Button type="submit" className="primary danger" isDisabled={pending}>{confirm}</Button>
      </div>
    </form>
  );
}
