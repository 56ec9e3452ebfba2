import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';
import { AppCredentials } from './identity-app-credentials.tsx';
import { Ec2Credentials } from './identity-ec2.tsx';

export function Credentials() {
  const { t } = useI18n();
  return (
    <Page title={t('Credentials')}>
      <AppCredentials />
      <Ec2Credentials />
    </Page>
  );
}
