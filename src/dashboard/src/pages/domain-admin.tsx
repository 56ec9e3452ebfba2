import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function DomainAdmin() {
  const { t } = useI18n();
  return <Page title={t('DomainAdmin')}><p className="muted">{t('Loading')}</p></Page>;
}
