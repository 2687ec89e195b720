// Signing: the text is saved, then the radiologist confirms who they are (the code of their
// authenticator app, or their password) and the server signs the PDF with their certificate.
// A wrong code is said as such and nothing is signed; the dialog stays open to try again.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Input, Label, Text, TextField } from 'react-aria-components';
import { useSession } from '../session';
import { FormDialog } from '../ui/FormDialog';
import { Notice } from '../ui/fields';
import { type DraftKind, useSignReport } from './reading';
import { reportProblemText } from './problems';

export function SignDialog({ orderId, kind, flush, onClose }: {
  orderId: number; kind: DraftKind; flush: () => Promise<number>; onClose: () => void;
}) {
  const { t } = useTranslation();
  const sign = useSignReport(orderId);
  const totp = useSession().session.totpEnabled === true;
  const [secret, setSecret] = useState('');
  const [problem, setProblem] = useState('');
  const send = async () => {
    setProblem('');
    try {
      const revision = await flush();
      await sign.mutateAsync({ revision, reauthentication: secret });
      onClose();
    } catch (e) {
      setSecret('');
      setProblem(reportProblemText(t, e));
    }
  };
  return (
    <FormDialog title={t(kind === 'addendum' ? 'report.signAddendumTitle' : 'report.signTitle')} isOpen onClose={onClose}
      testId="sign-dialog">
      <form onSubmit={(e) => { e.preventDefault(); void send(); }}>
        <p className="hint">{t('report.signIntro')}</p>
        {/* An authenticator's code for accounts that have one (a password manager must not fill
            the password in, where it would count as a wrong code), else the password. */}
        <TextField name="reauthentication" value={secret} onChange={setSecret} isRequired className="field" autoFocus
          type={totp ? 'text' : 'password'}>
          <Label className="react-aria-Label">{t(totp ? 'report.code' : 'report.password')}</Label>
          <Input autoComplete={totp ? 'one-time-code' : 'current-password'} inputMode={totp ? 'numeric' : undefined}
            maxLength={totp ? 6 : undefined} data-testid="reauthentication" />
          <Text slot="description" className="hint">{t(totp ? 'report.codeHint' : 'report.passwordHint')}</Text>
        </TextField>
        {problem && <Notice tone="error" testId="sign-problem">{problem}</Notice>}
        <div className="dialog-actions">
          <Button type="submit" className="primary" isDisabled={secret === '' || sign.isPending} data-testid="confirm-sign">
            {sign.isPending ? t('report.signing') : t('report.confirmSign')}
          </Button>
          <Button onPress={onClose}>{t('report.cancel')}</Button>
        </div>
      </form>
    </FormDialog>
  );
}
