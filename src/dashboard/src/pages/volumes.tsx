import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Volumes() {
  const { t } = useI18n();
  return <Page title={t('Volumes')}><p className="muted">{t('Loading')}</p></Page>;
}
