import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Flavors() {
  const { t } = useI18n();
  return <Page title={t('Flavors')}><p className="muted">{t('Loading')}</p></Page>;
}
