// A change that needs a reason written down (declining a request, undoing a merge): a hint, the
// reason (required, said so in the reader's words), what went wrong in plain words, and the
// buttons. `send` does the change; its failure is shown with `problemText`.
import { useState } from 'react';
import { Button } from 'react-aria-components';
import { Notice, TextInput } from './fields';

export function ReasonForm({ hint, label, required, confirm, cancel, onCancel, send, problemText, pending }: {
  hint: string;
  label: string;
  required: string;  // said when the reason is left empty
  confirm: string;
  cancel?: string;
  onCancel?: () => void;
  send: (reason: string) => Promise<unknown>;
  problemText: (e: unknown) => string;
  pending: boolean;
}) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [problem, setProblem] = useState('');
  const submit = () => {
    setError('');
    setProblem('');
    if (!reason.trim()) return setError(required);
    send(reason).catch((e: unknown) => setProblem(problemText(e)));
  };
  return (
    <form className="decline-form" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <p className="hint">{hint}</p>
      <TextInput name="reason" label={label} value={reason} onChange={setReason} error={error}
        isRequired multiline maxLength={500} />
      {problem && <Notice tone="error">{problem}</Notice>}
      <div className="dialog-actions">
        {cancel && onCancel && <Button onPress={onCancel}>{cancel}</Button>}
        <Button type="submit" className="primary danger" isDisabled={pending}>{confirm}</Button>
      </div>
    </form>
  );
}
