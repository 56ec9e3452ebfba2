import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function KeyPairs() {
  const { t } = useI18n();
  return <Page title={t('KeyPairs')}><p className="muted">{t('Loading')}</p></Page>;
}
